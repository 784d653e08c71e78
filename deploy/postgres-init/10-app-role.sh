#!/bin/sh
# The application's database role (docker-compose.yml): it logs in, owns nothing; the owner
# (POSTGRES_USER) runs the migrations and `manage.py db_grant_app_role` gives it its rights.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE refund_app LOGIN PASSWORD '${POSTGRES_APP_PASSWORD}';
SQL
