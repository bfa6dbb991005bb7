/**
 * The path of a request URL, without the query; no URL parse on the hot path. Bun hands over an
 * absolute URL ("http://host/path?q"), except for an HTTP/1.0 request without Host, whose URL is
 * the bare request target ("/path?q").
 */
export function pathOf(url: string): string {
  let start = 0;
  if (url.charCodeAt(0) !== 47 /* / */) {
    const scheme = url.indexOf("://");
    start = scheme < 0 ? -1 : url.indexOf("/", scheme + 3);
    if (start < 0) return "/";
  }
  const q = url.indexOf("?", start);
  return q < 0 ? (start === 0 ? url : url.slice(start)) : url.slice(start, q);
}
