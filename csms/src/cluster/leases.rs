//! Work that must run once in the cluster (the mail outbox's delivery, the monthly plan fees)
//! runs on the node holding its lease (`{prefix}:lease:{job}`): taken when free, renewed by
//! its holder at each round, lapsing after [`super::LEASE`] when the holder dies, so the work
//! moves to a surviving node within that. A node of its own always holds every lease; a node
//! that cannot reach Redis holds none (the work waits rather than running twice).

use std::{collections::BTreeMap, sync::Arc};

use redis::Script;

use super::{Cluster, LEASE, bounded};

/// The jobs run under a lease.
pub const JOBS: [&str; 2] = ["mail", "plan-fees"];

/// Take the lease when free, renew it when ours: 1 when we hold it now.
const TAKE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

/// Whether this node runs `job` now.
#[derive(Debug, Clone)]
pub struct Gate {
    cluster: Option<Arc<Cluster>>,
    job: &'static str,
}

impl Gate {
    pub fn new(cluster: Option<Arc<Cluster>>, job: &'static str) -> Gate {
        Gate { cluster, job }
    }

    /// Whether this node holds the job's lease (taking or renewing it).
    pub async fn open(&self) -> bool {
        match &self.cluster {
            None => true,
            Some(cluster) => cluster.leads(self.job).await,
        }
    }
}

impl Cluster {
    async fn leads(&self, job: &str) -> bool {
        let script = Script::new(TAKE);
        let mut invocation = script.key(self.key("lease", job));
        invocation
            .arg(&self.node_id)
            .arg(u64::try_from(LEASE.as_millis()).unwrap_or(15_000));
        let mut redis = self.redis.clone();
        let held = bounded(
            "taking a job's lease",
            invocation.invoke_async::<i64>(&mut redis),
        )
        .await;
        held == Some(1)
    }

    /// Which node holds each job's lease now (a job missing from the map: none).
    pub async fn lease_holders(&self) -> Option<BTreeMap<String, String>> {
        let keys: Vec<String> = JOBS.iter().map(|job| self.key("lease", job)).collect();
        let mut mget = redis::cmd("MGET");
        mget.arg(&keys);
        let mut redis = self.redis.clone();
        let holders = bounded(
            "reading the leases",
            mget.query_async::<Vec<Option<String>>>(&mut redis),
        )
        .await?;
        Some(
            JOBS.iter()
                .zip(holders)
                .filter_map(|(job, holder)| Some(((*job).to_owned(), holder?)))
                .collect(),
        )
    }

    /// Lets this node's job leases go (it is leaving).
    pub(super) async fn release_leases(&self) {
        let script = Script::new(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        for job in JOBS {
            let mut invocation = script.key(self.key("lease", job));
            invocation.arg(&self.node_id);
            let mut redis = self.redis.clone();
            bounded(
                "letting a job's lease go",
                invocation.invoke_async::<i64>(&mut redis),
            )
            .await;
        }
    }
}
