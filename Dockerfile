# The worker image: the project installed as an ordinary package (migrations and queries are
# package data, so nothing is read from a source tree).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
COPY workers ./workers
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --system --home /app producer
WORKDIR /app
USER producer
ENTRYPOINT ["producer-discovery"]
