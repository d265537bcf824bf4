"""Writing a batch: the load funnel, the content-hash merge, PostgreSQL COPY, day locks and set-aside days."""
