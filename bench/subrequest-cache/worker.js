// The subrequest cache: every request fetches the same origin file with cacheEverything, so
// after the first it is a cache hit (bench/subrequest_cache.sh; env.ORIGIN set by the script).
export default {
  async fetch(request, env) {
    return fetch(env.ORIGIN + "/file.json", { cf: { cacheEverything: true } });
  },
};
