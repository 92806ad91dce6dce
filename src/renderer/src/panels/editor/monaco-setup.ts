// Monaco, bundled locally (the CSP allows no CDN and no eval): the editor core plus only the
// contributions the deploy editor uses, the editor worker through Vite, and the TOML language
// with schema completion and hover registered once for every editor instance.
import * as monaco from 'monaco-editor/editor/editor.api'
import 'monaco-editor/editor/contrib/suggest/browser/suggestController'
import 'monaco-editor/editor/contrib/snippet/browser/snippetController2'
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution'
import 'monaco-editor/editor/contrib/gotoError/browser/gotoError'
import 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching'
import 'monaco-editor/editor/contrib/comment/browser/comment'
import 'monaco-editor/editor/contrib/find/browser/findController'
import 'monaco-editor/editor/contrib/folding/browser/folding'
import 'monaco-editor/editor/contrib/wordOperations/browser/wordOperations'
import 'monaco-editor/editor/contrib/linesOperations/browser/linesOperations'
import 'monaco-editor/editor/contrib/contextmenu/browser/contextmenu'
import 'monaco-editor/editor/contrib/clipboard/browser/clipboard'
import EditorWorker from 'monaco-editor/editor/editor.worker?worker'
import { completeAt, hoverAt } from './schema-assist'
import type { CompletionKind } from './schema-assist'
import { TOML_LANGUAGE_ID, tomlConfiguration, tomlLanguage } from './toml-language'

const KINDS: Record<CompletionKind, monaco.languages.CompletionItemKind> = {
  table: monaco.languages.CompletionItemKind.Module,
  key: monaco.languages.CompletionItemKind.Property,
  value: monaco.languages.CompletionItemKind.EnumMember,
}

let registered = false

/** Idempotent: the first editor registers the worker, the language and its providers. */
export function setUpMonaco(): typeof monaco {
  if (registered) return monaco
  registered = true
  self.MonacoEnvironment = { getWorker: () => new EditorWorker() }
  monaco.languages.register({ id: TOML_LANGUAGE_ID, extensions: ['.toml'] })
  monaco.languages.setLanguageConfiguration(TOML_LANGUAGE_ID, tomlConfiguration)
  monaco.languages.setMonarchTokensProvider(TOML_LANGUAGE_ID, tomlLanguage)
  monaco.languages.registerCompletionItemProvider(TOML_LANGUAGE_ID, {
    triggerCharacters: ['[', '.', '"', '=', ' ', ','],
    provideCompletionItems(model, position) {
      const result = completeAt(model.getValue(), {
        line: position.lineNumber,
        column: position.column,
      })
      const range = new monaco.Range(
        position.lineNumber,
        result.startColumn,
        position.lineNumber,
        result.endColumn,
      )
      return {
        suggestions: result.items.map((item) => ({
          label: item.label,
          kind: KINDS[item.kind],
          insertText: item.insertText,
          insertTextRules: item.snippet
            ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet
            : monaco.languages.CompletionItemInsertTextRule.None,
          detail: item.detail,
          documentation: { value: item.documentation },
          range,
        })),
      }
    },
  })
  monaco.languages.registerHoverProvider(TOML_LANGUAGE_ID, {
    provideHover(model, position) {
      const hover = hoverAt(model.getValue(), {
        line: position.lineNumber,
        column: position.column,
      })
      if (!hover) return null
      return {
        range: new monaco.Range(
          position.lineNumber,
          hover.startColumn,
          position.lineNumber,
          hover.endColumn,
        ),
        contents: [{ value: hover.markdown }],
      }
    },
  })
  return monaco
}
