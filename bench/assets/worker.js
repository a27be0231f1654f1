export default { fetch() { return new Response("not an asset", { status: 404 }); } };
