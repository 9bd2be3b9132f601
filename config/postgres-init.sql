-- One database per space, created when the postgres service first starts (docker-compose.postgresql.yml).
CREATE DATABASE nyc OWNER gemella;
CREATE DATABASE london OWNER gemella;
