"""Storage: the data model (``models``), engines and migrations (``database``)
and the façade every app goes through (``kit.Kit``)."""
