-- Staging: one view per table over its raw Parquet view. Only renames and casts, so
-- every later layer reads a stable column contract.

create or replace view stg_articles as
with source as (select * from raw_articles),
renamed as (
    select doc_id, source_path, record, source, title, body, language,
           cast(language_confidence as double) as language_confidence,
           word_count, char_count, paragraph_count,
           cast(chrome_ratio as double) as chrome_ratio,
           content_sha256, published_at, url, format, encoding, run_id, ingested_at,
           logical_date
    from source
)
select * from renamed;

create or replace view stg_chrome_segments as
with source as (select * from raw_chrome_segments),
renamed as (
    select doc_id, position, text, reason, cast(score as double) as score, run_id,
           logical_date
    from source
)
select * from renamed;

create or replace view stg_rejects as
with source as (select * from raw_rejects),
renamed as (
    select source_path, record, stage, reason, detail, run_id, ingested_at, logical_date
    from source
)
select * from renamed;

create or replace view stg_runs as
with source as (select * from raw_runs),
renamed as (
    select run_id, logical_date, input_dir, started_at, finished_at, seconds, files_seen,
           documents, articles, rejects, chrome_segments, status
    from source
)
select * from renamed;

create or replace view stg_checks as
with source as (select * from raw_checks),
renamed as (
    select run_id, check_name, table_name, column_name, severity, status, failures, detail,
           checked_at, logical_date
    from source
)
select * from renamed;

create or replace view stg_files as
with source as (select * from raw_files),
renamed as (
    select path, source, size, mtime_ns, sha256, first_seen, last_seen, status, run_id,
           rows_date as logical_date
    from source
)
select * from renamed;

create or replace view stg_line_stats as
with source as (select * from raw_line_stats),
renamed as (select source, line_hash, docs, run_id, logical_date from source)
select * from renamed;

create or replace view stg_clusters as
with source as (select * from raw_clusters),
renamed as (
    select doc_id, cluster_id, duplicate_of, match,
           cast(similarity as double) as similarity
    from source
)
select * from renamed;
