#!/bin/sh
# Run by the postgres image once, when the `db` volume is first initialised: let
# streaming replicas on the compose network connect with password authentication.
# An existing volume: append the same line to pg_hba.conf by hand, then
# `docker compose exec db psql -U trainers -c 'SELECT pg_reload_conf()'`.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
