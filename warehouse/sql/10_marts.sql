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
