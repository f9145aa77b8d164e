# cc-conformance in a container: `docker build -t cc-conformance .`, then e.g.
#   docker run --rm --network host -v "$PWD:/work" -e CC_CLIENT_SECRET \
#       cc-conformance run --profile /work/cc-profile.toml --report-dir /work/reports
# NOT BUILT OR RUN in the environment this was written in (no Docker engine there); treat it as
# a starting point and build it once in your own CI before relying on it.
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /opt/cc-conformance
COPY pyproject.toml README.md ./
COPY conformance ./conformance
COPY reference_impl ./reference_impl
# [serve] adds uvicorn, so the image can also serve the reference: python -m reference_impl serve
RUN python -m pip install '.[serve]' && useradd --create-home --uid 10001 cc

USER cc
WORKDIR /work
ENTRYPOINT ["cc-conformance"]
CMD ["--help"]
