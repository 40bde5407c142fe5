-- Staging: one view per table over its raw Parquet view. Only renames and casts; every
-- column of the schema passes through (``select * replace``), so a column added to a
-- table in warehouse/schemas.py reaches every later layer without editing this file.

create or replace view stg_articles as
with source as (select * from raw_articles),
renamed as (
    select * replace (
        cast(language_confidence as double) as language_confidence,
        cast(chrome_ratio as double) as chrome_ratio
    )
    from source
)
select * from renamed;

create or replace view stg_chrome_segments as
with source as (select * from raw_chrome_segments),
renamed as (select * replace (cast(score as double) as score) from source)
select * from renamed;

create or replace view stg_rejects as
with source as (select * from raw_rejects),
renamed as (select * from source)
select * from renamed;

create or replace view stg_runs as
with source as (select * from raw_runs),
renamed as (select * from source)
select * from renamed;

create or replace view stg_checks as
with source as (select * from raw_checks),
renamed as (select * from source)
select * from renamed;

create or replace view stg_files as
with source as (select * from raw_files),
renamed as (select * exclude (rows_date), rows_date as logical_date from source)
select * from renamed;

create or replace view stg_line_stats as
with source as (select * from raw_line_stats),
renamed as (select * from source)
select * from renamed;

create or replace view stg_clusters as
with source as (select * from raw_clusters),
renamed as (select * replace (cast(similarity as double) as similarity) from source)
select * from renamed;
