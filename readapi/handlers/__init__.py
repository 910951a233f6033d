"""Query handlers: explicit, parameterized SQL over schema ``read``; one statement each."""
