import { isMessageKey, render } from '../../workflows/core/messages/index.ts'
import type { Problem } from '../../workflows/core/problem.ts'

/** The JSON body of a problem: `{error:{code, message, messageZh, field?, params?}}`, text from the catalogue. */
export function problemBody(p: Problem) {
  const key = `problem.${p.code}`
  const params = { field: p.field ?? 'body', ...p.params }
  const text = (lang: 'en' | 'zh-CN') => (isMessageKey(key) ? render(lang, key, params) : p.code)
  return {
    error: {
      code: p.code,
      message: text('en'),
      messageZh: text('zh-CN'),
      ...(p.field !== undefined ? { field: p.field } : {}),
      ...(p.params !== undefined ? { params: p.params } : {}),
    },
  }
}
