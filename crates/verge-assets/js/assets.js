// env.ASSETS: the static assets binding. `fetch(input, init)` asks the host (verge-assets
// src/js.rs, internal.assetsOps) for the asset worker's response to the request.
"use strict";
const ops = internal.assetsOps;
const { Request, Headers, Promise: $Promise } = globalThis;
const { ArrayPrototypePush } = primordials;

function makeFetcher(handle) {
  return {
    async fetch(input, init = undefined) {
      const req = new Request(input, init);
      const flat = [];
      for (const [k, v] of req.headers) { ArrayPrototypePush(flat, k); ArrayPrototypePush(flat, v); }
      const res = await ops.fetch(handle, req.method, req.url, flat);
      const status = res[0], headers = res[1], reader = res[2];
      const h = new Headers();
      for (let i = 0; i < headers.length; i += 2) h.append(headers[i], headers[i + 1]);
      return internal.hostResponse(status, h, reader);
    },
  };
}
internal.assets = { makeFetcher };
