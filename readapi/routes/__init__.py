"""One APIRouter per resource of the query API."""
