// Plivo's Message XML, as a Message URL may answer an inbound message:
// <Response><Message src="…" dst="…" type="sms" callbackUrl="…" callbackMethod="POST">text</Message></Response>.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One reply to send, as the Message API's parameters name them. */
export interface ReplyMessage {
  readonly src: string;
  readonly dst: string;
  readonly text: string;
  readonly type: string;
  readonly url?: string;
  readonly method?: string;
}

export interface ParsedReply {
  readonly messages: readonly ReplyMessage[];
  /** Why the document, or some of its elements, cannot be sent; each names the element. */
  readonly errors: readonly string[];
}

/** More Message elements than this in one answer are not sent. */
export const MAX_REPLY_MESSAGES = 10;

/** A node of the order-preserving parse: `{ Tag: children, ':@': attributes }` or `{ '#text': value }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
});

/** Whether an answer body is meant as XML at all: a plain `OK` (or nothing) asks for no reply. */
export function looksLikeXml(body: string): boolean {
  return body.trimStart().startsWith('<');
}

export function parseMessageXml(body: string): ParsedReply {
  // Entity definitions are how XML bombs work; Message XML never needs one.
  if (/<!DOCTYPE/i.test(body)) return invalid('a DOCTYPE is not allowed');
  const validation = XMLValidator.validate(body);
  if (validation !== true) return invalid(`line ${validation.err.line}: ${validation.err.msg}`);
  const roots = elements(parser.parse(body) as XmlNode[]);
  const root = roots.length === 1 ? roots[0] : undefined;
  if (root?.tag !== 'Response') return invalid('the document must have one <Response> root element');

  const messages: ReplyMessage[] = [];
  const errors: string[] = [];
  let position = 0;
  for (const child of elements(root.children)) {
    if (child.tag !== 'Message') {
      errors.push(`<${child.tag}> is not a messaging element; it was ignored`);
      continue;
    }
    position += 1;
    const where = `Message ${position}`;
    if (position > MAX_REPLY_MESSAGES) {
      errors.push(`${where}: not sent, at most ${MAX_REPLY_MESSAGES} Message elements are sent per answer`);
      continue;
    }
    const attribute = (name: string): string | undefined => {
      const key = Object.keys(child.attributes).find((k) => k.toLowerCase() === name.toLowerCase());
      const value = key === undefined ? undefined : child.attributes[key]?.trim();
      return value === '' ? undefined : value;
    };
    const src = attribute('src');
    const dst = attribute('dst');
    const text = textOf(child.children).trim();
    if (!src || !dst || text === '') {
      errors.push(`${where}: ${!src ? 'the src attribute is required' : !dst ? 'the dst attribute is required' : 'the message text is empty'}`);
      continue;
    }
    const url = attribute('callbackUrl');
    const method = attribute('callbackMethod');
    messages.push({ src, dst, text, type: (attribute('type') ?? 'sms').toLowerCase(), ...(url ? { url } : {}), ...(method ? { method } : {}) });
  }
  return { messages, errors };
}

function invalid(reason: string): ParsedReply {
  return { messages: [], errors: [`invalid Message XML: ${reason}`] };
}

interface Element {
  readonly tag: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlNode[];
}

/** The element nodes among `nodes` (text, comments and declarations left out). */
function elements(nodes: readonly XmlNode[]): Element[] {
  const found: Element[] = [];
  for (const node of nodes) {
    const tag = Object.keys(node).find((key) => key !== ':@' && key !== '#text' && key !== '#comment' && !key.startsWith('?'));
    if (tag === undefined) continue;
    found.push({ tag, attributes: (node[':@'] ?? {}) as Record<string, string>, children: (node[tag] ?? []) as XmlNode[] });
  }
  return found;
}

function textOf(nodes: readonly XmlNode[]): string {
  return nodes.map((node) => (typeof node['#text'] === 'string' || typeof node['#text'] === 'number' ? String(node['#text']) : '')).join('');
}
