// TOML for Monaco: a Monarch tokenizer (Monaco ships none for TOML, and the `ini` one mistakes
// dotted keys, arrays and multi-line strings) and the bracket/comment configuration.
import type { languages } from 'monaco-editor/editor/editor.api'

export const TOML_LANGUAGE_ID = 'toml'

export const tomlConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: '#' },
  brackets: [
    ['[', ']'],
    ['{', '}'],
  ],
  autoClosingPairs: [
    { open: '[', close: ']' },
    { open: '{', close: '}' },
    { open: '"', close: '"', notIn: ['string', 'comment'] },
    { open: "'", close: "'", notIn: ['string', 'comment'] },
  ],
  surroundingPairs: [
    { open: '"', close: '"' },
    { open: "'", close: "'" },
    { open: '[', close: ']' },
    { open: '{', close: '}' },
  ],
}

export const tomlLanguage: languages.IMonarchLanguage = {
  defaultToken: '',
  tokenPostfix: '.toml',
  brackets: [
    { open: '[', close: ']', token: 'delimiter.bracket' },
    { open: '{', close: '}', token: 'delimiter.curly' },
  ],
  // Digits with `_` separators, hex/octal/binary, floats with exponents, inf and nan.
  number:
    /[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)/,
  date: /\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?/,
  escapes: /\\(?:[btnfr"\\e]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/,
  tokenizer: {
    root: [
      { include: '@whitespace' },
      // A header: [table] or [[array.of.tables]], on a line of its own.
      [/^\s*\[\[/, { token: 'metatag', next: '@header.]]' }],
      [/^\s*\[/, { token: 'metatag', next: '@header.]' }],
      // Dates and floats before keys: `1.5` would otherwise read as the dotted key `1`.`5`.
      [/@date/, 'number.date'],
      [/[+-]?\d[\d_]*\.\d[\d_]*(?:[eE][+-]?\d+)?/, 'number.float'],
      // A key (bare, quoted, dotted) up to the `=`.
      [/[A-Za-z0-9_-]+(?=\s*[.=])/, 'key'],
      [/"(?:[^"\\]|\\.)*"(?=\s*[.=])/, 'key'],
      [/'[^']*'(?=\s*[.=])/, 'key'],
      [/\./, 'delimiter'],
      [/=/, 'delimiter'],
      // Values: a multi-line array or string keeps its state across lines; scalars need none.
      { include: '@literal' },
      [/\[/, '@brackets', '@array'],
      [/\{/, '@brackets', '@inline'],
      [/[^\s#]+/, 'invalid'],
    ],
    header: [
      [/[A-Za-z0-9_-]+/, 'metatag'],
      [/"(?:[^"\\]|\\.)*"/, 'metatag.string'],
      [/'[^']*'/, 'metatag.string'],
      [/\s*\.\s*/, 'metatag'],
      [
        /\]\]|\]/,
        {
          cases: {
            '$#==$S2': { token: 'metatag', next: '@pop' },
            '@default': 'invalid',
          },
        },
      ],
      [/[^\]]/, 'invalid'],
    ],
    literal: [
      [/"""/, 'string', '@mlstring'],
      [/'''/, 'string', '@mlliteral'],
      [/"/, 'string', '@string'],
      [/'[^']*'/, 'string'],
      [/@date/, 'number.date'],
      [/\b(?:true|false)\b/, 'keyword'],
      [/[+-]?\b(?:inf|nan)\b/, 'number'],
      [/@number/, 'number'],
    ],
    array: [
      { include: '@whitespace' },
      { include: '@literal' },
      [/\[/, '@brackets', '@push'],
      [/\{/, '@brackets', '@inline'],
      [/\]/, '@brackets', '@pop'],
      [/,/, 'delimiter'],
      [/[^\s\],#]+/, 'invalid'],
    ],
    inline: [
      [/[ \t]+/, ''],
      [/[A-Za-z0-9_-]+(?=\s*[.=])/, 'key'],
      [/"(?:[^"\\]|\\.)*"(?=\s*[.=])/, 'key'],
      [/\./, 'delimiter'],
      [/=/, 'delimiter'],
      [/,/, 'delimiter'],
      { include: '@literal' },
      [/\[/, '@brackets', '@array'],
      [/\{/, '@brackets', '@push'],
      [/\}/, '@brackets', '@pop'],
      [/[^\s},]+/, 'invalid'],
    ],
    string: [
      [/[^\\"]+/, 'string'],
      [/@escapes/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/"/, 'string', '@pop'],
    ],
    mlstring: [
      [/[^\\"]+/, 'string'],
      [/@escapes/, 'string.escape'],
      [/\\$/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/"""/, 'string', '@pop'],
      [/"/, 'string'],
    ],
    mlliteral: [
      [/[^']+/, 'string'],
      [/'''/, 'string', '@pop'],
      [/'/, 'string'],
    ],
    whitespace: [
      [/[ \t\r\n]+/, ''],
      [/#.*$/, 'comment'],
    ],
  },
}
