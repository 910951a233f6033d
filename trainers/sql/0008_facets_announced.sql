-- The query side caches the facet lists (/query/branches, /query/specialties) like
-- trainer pages, so every change to them must reach other processes' caches. A
-- change that moves a trainer is announced already (the trainer's document
-- changes, and the change feed NOTIFYs at commit). A branch or specialty created,
-- renamed or deleted without moving any public trainer was not: writes to their
-- tables now announce themselves on the same channel, payload 0 ("something
-- changed, no new feed entry"), delivered at commit like every NOTIFY.
-- trainers/rebuild.py calls read.announce_facets() after a swap, which may have
-- corrected facet rows with no write at all.

CREATE FUNCTION read.announce_facets() RETURNS void
LANGUAGE sql
RETURN pg_notify('read_change', '0');

CREATE FUNCTION read.on_facet_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM read.announce_facets();
    RETURN NULL;
END
$$;

CREATE TRIGGER read_announce_facets
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trainers_branch
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_facet_write();
CREATE TRIGGER read_announce_facets
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trainers_specialty
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_facet_write();
