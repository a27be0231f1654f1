// json: a ~1 KB JSON document built from the request URL.
export default {
  fetch(request) {
    const url = new URL(request.url);
    const segments = url.pathname.split("/").filter(Boolean);
    const query = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const items = [];
    for (let i = 0; i < 10; i++) {
      items.push({
        id: i,
        name: `${segments[segments.length - 1] || "item"}-${i}`,
        path: url.pathname,
        price: Math.round((i + 1) * 9.99 * 100) / 100,
        tags: ["bench", "json", segments[0] || "root"],
      });
    }
    const body = JSON.stringify({
      method: request.method,
      host: url.host,
      path: url.pathname,
      segments,
      query,
      count: items.length,
      items,
    });
    return new Response(body, {
      headers: { "content-type": "application/json;charset=UTF-8" },
    });
  },
};
