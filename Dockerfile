# One image for the whole harness: the chat servers (`bench serve`) and the load generator
# (`bench run`, `bench worker`). docker-compose.yml starts it in each role.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A compiler for the few dependencies (uvloop, hdrhistogram, ...) that publish no wheel for
# some architectures; on x86_64 and arm64 pip usually takes wheels and never uses it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN pip install .

CMD ["bench", "--help"]
