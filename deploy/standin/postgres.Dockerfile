# Stand-in for postgres:16, built here from the Debian base: Debian bookworm's PostgreSQL 15 (the
# newest bookworm ships). The contract docker-compose.yaml relies on: POSTGRES_USER / _PASSWORD /
# _DB initialise an empty /var/lib/postgresql/data, port 5432 on every container interface,
# `pg_isready` on PATH, SIGINT for a fast shutdown (deploy/standin/postgres-entrypoint.sh).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD []
