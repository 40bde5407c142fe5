-- Marts over the table views: one view per question a data engineer asks first.

create or replace view articles_per_source_day as
with articles as (select * from main.articles)
select coalesce(source, '(unknown)') as source, logical_date, count(*) as articles,
       sum(word_count) as words
from articles
group by all
order by logical_date, source;

create or replace view chrome_reasons as
with segments as (select * from main.chrome_segments)
select reason, count(*) as segments, count(distinct doc_id) as documents
from segments
group by reason
order by segments desc;

create or replace view language_mix as
with articles as (select * from main.articles)
select coalesce(language, '??') as language, count(*) as articles,
       round(avg(chrome_ratio), 3) as avg_chrome_ratio
from articles
group by all
order by articles desc;

create or replace view rejects_by_reason as
with rejects as (select * from main.rejects)
select stage, reason, count(*) as rejects
from rejects
group by all
order by rejects desc;


create or replace view chrome_ratio_per_source as
with articles as (select * from main.articles)
select coalesce(source, '(unknown)') as source, count(*) as articles,
       round(avg(chrome_ratio), 3) as avg_chrome_ratio,
       round(median(chrome_ratio), 3) as median_chrome_ratio,
       round(max(chrome_ratio), 3) as max_chrome_ratio
from articles
group by all
order by articles desc;

create or replace view duplicate_clusters as
with articles as (select * from main.articles)
select cluster_id, count(*) as articles,
       count(*) filter (where duplicate_match = 'exact') as exact,
       count(*) filter (where duplicate_match = 'near') as near,
       round(min(duplicate_similarity), 3) as min_similarity,
       list(distinct source order by source) as sources
from articles
group by cluster_id
having count(*) > 1
order by articles desc, cluster_id;

create or replace view latest_checks as
with checks as (select * from main.checks),
runs as (select * from main.runs)
select checks.check_name, checks.table_name, checks.column_name, checks.severity,
       checks.status, checks.failures, checks.detail
from checks
where checks.run_id = (select run_id from runs order by finished_at desc limit 1)
order by checks.status, checks.table_name, checks.check_name, checks.column_name;

create or replace view files_by_status as
with files as (select * from main.files)
select status, count(*) as files, sum(size) as bytes
from files
group by status
order by files desc;
