"""Web tests: services of the web, HTTP pages and API, isolation between units, the OpenAPI contract."""
