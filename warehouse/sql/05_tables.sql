-- The public table names. ``articles`` carries its duplicate cluster (from ``clusters``,
-- recomputed at every load): ``cluster_id`` is the doc_id of the cluster's original,
-- ``duplicate_of`` is NULL for originals. ``articles_unique`` keeps one row per cluster.

create or replace view articles as
with articles as (select * from stg_articles),
clusters as (select * from stg_clusters)
select articles.*,
       coalesce(clusters.cluster_id, articles.doc_id) as cluster_id,
       clusters.duplicate_of,
       coalesce(clusters.match, 'original') as duplicate_match,
       clusters.similarity as duplicate_similarity
from articles
left join clusters using (doc_id);

create or replace view articles_unique as
select * from articles where duplicate_of is null;

create or replace view chrome_segments as select * from stg_chrome_segments;
create or replace view rejects as select * from stg_rejects;
create or replace view runs as select * from stg_runs;
create or replace view checks as select * from stg_checks;
create or replace view files as select * from stg_files;
create or replace view line_stats as select * from stg_line_stats;
