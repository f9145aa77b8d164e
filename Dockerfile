# cc-conformance in a container: `docker build -t cc-conformance .`, then e.g.
#   docker run --rm --network host -u "$(id -u):$(id -g)" -v "$PWD:/work" -e CC_CLIENT_SECRET \
#       cc-conformance run --profile /work/cc-profile.toml --report-dir /work/reports
# (-u: a mounted folder belongs to you, not to the image's user 10001, who could not write the
# reports there). Serving the bundled reference from the image (docs/ci.md):
#   docker run --rm -p 8000:8000 --entrypoint python cc-conformance \
#       -m reference_impl serve --host 0.0.0.0 --port 8000
# NOT BUILT OR RUN in the environment this was written in (no Docker engine there); treat it as
# a starting point and build it once in your own CI before relying on it.
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /opt/cc-conformance
COPY pyproject.toml README.md ./
COPY conformance ./conformance
COPY reference_impl ./reference_impl
# [serve] adds uvicorn, so the image can also serve the reference: python -m reference_impl serve.
# /work (and /work/reports) belong to the image's user, so a run without a mounted folder, or with
# a named volume, can write its reports there.
RUN python -m pip install '.[serve]' && useradd --create-home --uid 10001 cc \
    && mkdir -p /work/reports && chown -R cc:cc /work

USER cc
WORKDIR /work
ENTRYPOINT ["cc-conformance"]
CMD ["--help"]
