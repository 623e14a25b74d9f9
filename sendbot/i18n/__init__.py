"""Language access: parent catalogs, locale-aware values, plain English, machine translation.

Entry points: `languages.resolve` (a guardian's stored choice to a shipped language),
`writer.Writer` (one message's catalog, dates and bidi isolates), `plain` (jargon expansion
and the plain-English checks), `translate` (the Translator interface and LibreTranslate),
`catalogs.warm_up` (compile every catalog at start-up). See docs/translations.md.
"""
