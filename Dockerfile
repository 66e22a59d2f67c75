# The worker image: the project installed (editable, so migrations/ stays beside the code).
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system --home /app producer
USER producer
ENTRYPOINT ["producer-discovery"]
