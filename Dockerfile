# One Gemellaggio node. The node's directory (keys, config.yaml, node.db) is the volume /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY protocol ./protocol
COPY node ./node
COPY config ./config
RUN pip install --no-cache-dir . && useradd --create-home --uid 10001 gemella && mkdir /data && chown gemella /data
USER gemella
VOLUME ["/data"]
EXPOSE 8080
# On first start the node is created from the configuration file named by GEMELLA_CONFIG
# (its operator token is printed once, in the log); after that it just runs.
ENV GEMELLA_CONFIG=/app/config/example.yaml
CMD ["sh", "-c", "[ -f /data/config.yaml ] || gemella init /data --config \"$GEMELLA_CONFIG\"; exec gemella run /data"]
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz').status != 200)"
