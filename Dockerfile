# syntax=docker/dockerfile:1
# Clean Slate Warehouse: one image for the Dagster code server and its run workers (Kubernetes,
# Dagster's Helm chart) and, on a single host, the webserver and daemon too (docs/deployment.md).
#
#   docker build -t cleanslate:$(git rev-parse --short HEAD) \
#       --build-arg GIT_REVISION=$(git rev-parse HEAD) .
#   docker run --init -p 3000:3000 -v /srv/cleanslate:/data --env-file cleanslate.env cleanslate:TAG
#
# cleanslate.env must set CLEANSLATE_PSEUDONYM_KEY (no default: `serve` refuses to start without
# it) and DAGSTER_PG_*; .env.example lists every variable.
#
# Only the runtime dependencies are installed, each at its requirements.lock version (the dev
# extra - pytest, pyspark, playwright - stays out). EXTRA_PACKAGES adds more, e.g. the Spark
# Thrift client: --build-arg EXTRA_PACKAGES="dbt-spark[PyHive]==1.11.0".

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.8
ARG EXTRA_PACKAGES=""
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN pip install "uv==${UV_VERSION}" && python -m venv /opt/venv
WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml requirements.lock ./
RUN uv pip install --python /opt/venv/bin/python --no-cache \
        --constraint requirements.lock --requirement pyproject.toml \
    && if [ -n "${EXTRA_PACKAGES}" ]; then \
        uv pip install --python /opt/venv/bin/python --no-cache \
            --constraint requirements.lock ${EXTRA_PACKAGES}; \
    fi
COPY . .
# Editable, as `make install` does: the code finds rules/, dbt_project/, deploy/ beside it.
# dbt parse writes the manifest that the Dagster definitions read at import.
RUN uv pip install --python /opt/venv/bin/python --no-cache --no-deps -e . \
    && cd dbt_project \
    && /opt/venv/bin/dbt parse --quiet --profiles-dir . --project-dir . \
    && rm -rf logs

FROM ${PYTHON_IMAGE}
ARG GIT_REVISION=unknown
LABEL org.opencontainers.image.title="clean-slate-warehouse" \
      org.opencontainers.image.revision="${GIT_REVISION}"
RUN groupadd --system --gid 10001 cleanslate \
    && useradd --system --uid 10001 --gid cleanslate --home-dir /app --shell /usr/sbin/nologin cleanslate
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=cleanslate:cleanslate /app /app
ENV PATH=/opt/venv/bin:${PATH} \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    CLEANSLATE_SERVICE=1 \
    CLEANSLATE_HOST=0.0.0.0 \
    CLEANSLATE_WAREHOUSE=/data/warehouse.duckdb \
    CLEANSLATE_LANDING=/data/landing \
    CLEANSLATE_EXPORTS=/data/exports \
    CLEANSLATE_GIT_REVISION=${GIT_REVISION}
RUN mkdir -p /opt/dagster/dagster_home /data/landing /data/exports \
    && cp /app/deploy/dagster.yaml /opt/dagster/dagster_home/dagster.yaml \
    && chown -R cleanslate:cleanslate /opt/dagster /data \
    && chmod 0700 /data
USER cleanslate
WORKDIR /app
VOLUME ["/data"]
EXPOSE 3000 4000
# serve (webserver + daemon) | webserver | daemon | code-server | any command (the Helm chart
# starts `dagster api grpc ...`, the run launcher `dagster api execute_run ...`)
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["serve"]
