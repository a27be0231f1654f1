// One request of the golden corpus and what is compared of its answer (golden/record.mjs).
export async function ask(base, request) {
  const res = await fetch(base + request.path, {
    method: request.method ?? "GET",
    body: request.body,
    redirect: "manual",
    headers: request.body ? { "content-type": "application/json" } : {},
  });
  const body = (await res.text()).replaceAll(base, "{base}");
  return {
    method: request.method ?? "GET",
    path: request.path,
    status: res.status,
    "content-type": res.headers.get("content-type"),
    location: res.headers.get("location"),
    body,
  };
}
