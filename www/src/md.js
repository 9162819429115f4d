// A small Markdown reader for the chapters/ files, building DOM nodes directly (no innerHTML).
// It knows what those files use: `#`–`###` headings, paragraphs, `-`/`1.` lists, fenced code,
// `> ` notes, and inline `code`, **bold**, *italic* and [links](url). A chapter file is split into
// sections by its `## ` headings so a panel can place "Try this", "Challenge" and "Hints" where it wants.
import { h } from './ui.js';

/** Inline markup → nodes. Links are kept only for http(s), relative and #fragment targets. */
export function inline(text) {
  const out = [];
  const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    if (m[1]) out.push(h('code', { text: t.slice(1, -1) }));
    else if (m[2]) out.push(h('strong', {}, inline(t.slice(2, -2))));
    else if (m[3]) out.push(h('em', {}, inline(t.slice(1, -1))));
    else {
      const [, label, href] = t.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
      const safe = /^(https?:|#|\.{0,2}\/|[\w-]+\.html)/.test(href);
      out.push(safe ? h('a', { href }, inline(label)) : label);
    }
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Block markup → an array of nodes. */
export function blocks(src) {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) { i++; continue; }
    const fence = line.match(/^```(\w*)/);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      i++;
      out.push(h('pre', {}, h('code', { text: body.join('\n') })));
      continue;
    }
    const head = line.match(/^(#{1,4})\s+(.*)$/);
    if (head) {
      out.push(h(`h${Math.min(6, head[1].length + 1)}`, {}, inline(head[2])));
      i++;
      continue;
    }
    if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i])) {
        let item = lines[i].replace(/^\s*([-*]|\d+\.)\s+/, '');
        i++;
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !/^\s*([-*]|\d+\.)\s+/.test(lines[i])) {
          item += ` ${lines[i].trim()}`;
          i++;
        }
        items.push(h('li', {}, inline(item)));
      }
      out.push(h(ordered ? 'ol' : 'ul', {}, items));
      continue;
    }
    if (line.startsWith('> ')) {
      const body = [];
      while (i < lines.length && lines[i].startsWith('>')) body.push(lines[i++].replace(/^>\s?/, ''));
      out.push(h('blockquote', {}, blocks(body.join('\n'))));
      continue;
    }
    const para = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && !/^(#{1,4}\s|```|>\s|\s*([-*]|\d+\.)\s+)/.test(lines[i])) {
      para.push(lines[i++].trim());
    }
    out.push(h('p', {}, inline(para.join(' '))));
  }
  return out;
}

/**
 * Split a chapter file into its title, its lead (text before the first `## `), and named sections.
 * @returns {{title: string, lead: string, sections: Map<string, string>}}
 */
export function parseChapter(src) {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  let title = '';
  const sections = new Map();
  let current = null;
  const lead = [];
  for (const line of lines) {
    const t = line.match(/^#\s+(.*)$/);
    if (t && !title) { title = t[1]; continue; }
    const s = line.match(/^##\s+(.*)$/);
    if (s) { current = s[1].trim(); sections.set(current, []); continue; }
    (current ? sections.get(current) : lead).push(line);
  }
  return {
    title,
    lead: lead.join('\n'),
    sections: new Map([...sections].map(([k, v]) => [k, v.join('\n')])),
  };
}
