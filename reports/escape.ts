/**
 * Escaping report data for the page: text for HTML content and attributes, JSON for a data
 * <script>, so that no label (a site, a node, a scenario name) can inject markup. Used by the
 * page (html.ts), its tables and every section spec.
 */
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** JSON safe inside <script type="application/json">: no label can close the script or split lines. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
