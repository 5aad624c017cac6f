// Characters XML 1.0 admits at all (XML 1.0 2.2, Char). Anything else (NUL, other C0 controls, lone
// surrogates, U+FFFE/U+FFFF) cannot appear even as a character reference, so it becomes U+FFFD:
// an audit message must stay well-formed whatever a DICOM header or a login form carried.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;', '\n': '&#10;' };
// In attribute values tab, line feed and carriage return are references too, or attribute-value
// normalization (XML 1.0 3.3.3) would turn them into spaces.
const ATTRIBUTE_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;', "'": '&apos;', '\t': '&#9;' };

/** `value` as XML character data. Line breaks become references, so a message is one line. */
export function escapeXmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r\n]/g, (c) => TEXT_ESCAPES[c] as string);
}

/** `value` as a double-quoted XML attribute value. */
export function escapeXmlAttribute(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\t\r\n]/g, (c) => ATTRIBUTE_ESCAPES[c] as string);
}

/** An element with attributes (absent ones left out) and children that are already XML. */
export function xmlElement(name: string, attributes: Readonly<Record<string, string | undefined>>, children: readonly string[] = []): string {
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) open += ` ${key}="${escapeXmlAttribute(value)}"`;
  return children.length === 0 ? `${open}/>` : `${open}>${children.join('')}</${name}>`;
}
