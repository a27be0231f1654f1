// env.ASSETS: the static assets binding. `fetch(input, init)` asks the host (verge-assets
// src/js.rs, internal.assetsOps) for the asset worker's response to the request. Like every
// platform file, it takes what it needs at load (js/fetch.js's classes and the headers
// helpers), so a guest that patches globals or prototypes later cannot break it.
"use strict";
const ops = internal.assetsOps;
const { Request } = internal.fetchClasses;
const headersToFlat = internal.headersToFlat, headersFromFlat = internal.headersFromFlat;

function makeFetcher(handle) {
  return {
    async fetch(input, init = undefined) {
      const req = new Request(input, init);
      const res = await ops.fetch(handle, req.method, req.url, headersToFlat(req.headers));
      return internal.hostResponse(res[0], headersFromFlat(res[1], false), res[2]);
    },
  };
}
internal.assets = { makeFetcher };
