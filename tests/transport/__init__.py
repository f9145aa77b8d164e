"""The suite driven over real transports: uvicorn on loopback HTTP, and a WSGI app."""
