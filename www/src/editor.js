// The learner's code editor: CodeMirror 6 (MIT), imported on demand (learner.js loads this module
// when a learner opens "Write your own", so it is its own chunk and not in the first load).
// Python highlighting and indentation, the standard keymap (Tab indents; Escape then Tab leaves
// the editor, as CodeMirror documents), an accessible label, and a marked line for a traceback.
import { EditorView, Decoration, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from '@codemirror/view';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { indentOnInput, bracketMatching, syntaxHighlighting, HighlightStyle, indentUnit } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { python } from '@codemirror/lang-python';
import { setDiagnostics, lintGutter } from '@codemirror/lint';

const theme = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid var(--border, #999)', borderRadius: '4px', background: 'var(--bg, #fff)', color: 'var(--fg, #111)' },
  '&.cm-focused': { outline: '2px solid var(--focus, #1a73e8)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', caretColor: 'var(--fg, #111)' },
  '.cm-scroller': { maxHeight: '28em', overflow: 'auto' },
  '.cm-gutters': { background: 'transparent', color: 'var(--muted, #666)', border: 'none' },
  '.cm-activeLine, .cm-activeLineGutter': { background: 'color-mix(in srgb, var(--accent, #1f57b5) 7%, transparent)' },
  '.cm-error-line': { background: 'color-mix(in srgb, var(--gap, #a4161a) 14%, transparent)' },
});

/** Python's colours from the page's theme variables (readable in light and dark: axe checks them). */
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.operatorKeyword, t.moduleKeyword], color: 'var(--accent)', fontWeight: '600' },
  { tag: [t.string, t.special(t.string)], color: 'var(--ok)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--live)' },
  { tag: t.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [t.function(t.definition(t.variableName)), t.definition(t.className)], color: 'var(--gap)' },
  { tag: t.invalid, color: 'var(--bad)' },
]);

/** The marked line (a traceback's): a line decoration, moved along with edits, cleared by `null`. */
const markLine = StateEffect.define();
const markedLine = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    let d = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(markLine)) {
        d = e.value === null ? Decoration.none
          : Decoration.set([Decoration.line({ class: 'cm-error-line', attributes: { 'data-error-line': String(e.value.number) } }).range(e.value.from)]);
      }
    }
    return d;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/**
 * An editor in `parent`.
 * @param {HTMLElement} parent
 * @param {{doc: string, label: string, describedBy?: string, onChange?: (text: string) => void}} opts
 */
export function createEditor(parent, { doc, label, describedBy, onChange }) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(), bracketMatching(),
        highlightActiveLine(), syntaxHighlighting(highlight), python(),
        indentUnit.of('    '), EditorState.tabSize.of(4), lintGutter(), markedLine,
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0', ...(describedBy ? { 'aria-describedby': describedBy } : {}), 'data-testid': 'code-input' }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange?.(u.state.doc.toString()); }),
        theme,
      ],
    }),
  });
  return {
    view,
    get: () => view.state.doc.toString(),
    /** Replace the whole text. */
    set(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** Mark `line` (1-based) with `message` (a traceback's line), or clear the mark (null). */
    mark(line, message) {
      if (!line || line < 1 || line > view.state.doc.lines) {
        view.dispatch(setDiagnostics(view.state, []));
        view.dispatch({ effects: markLine.of(null) });
        return;
      }
      const l = view.state.doc.line(line);
      view.dispatch(setDiagnostics(view.state, [{ from: l.from, to: l.to, severity: 'error', message }]));
      view.dispatch({ effects: [markLine.of({ from: l.from, number: line }), EditorView.scrollIntoView(l.from, { y: 'center' })] });
    },
    destroy: () => view.destroy(),
  };
}
