import { useRef, useState } from 'preact/hooks'
import { t } from '../i18n/index.ts'

/** Full-screen ECG with pinch-zoom and drag (pointer events; works with fingers and a mouse wheel). */
export function EcgViewer(props: { src: string; onClose: () => void }) {
  const [view, setView] = useState({ scale: 1, x: 0, y: 0 })
  const pointers = useRef(new Map<number, { x: number; y: number }>())
  const last = useRef<{ dist: number; cx: number; cy: number } | null>(null)
  const snapshot = () => {
    const ps = [...pointers.current.values()]
    if (ps.length === 0) return null
    const cx = ps.reduce((s, p) => s + p.x, 0) / ps.length
    const cy = ps.reduce((s, p) => s + p.y, 0) / ps.length
    const dist = ps.length > 1 ? Math.hypot(ps[0]!.x - ps[1]!.x, ps[0]!.y - ps[1]!.y) : 0
    return { dist, cx, cy }
  }
  const onMove = (e: PointerEvent) => {
    if (!pointers.current.has(e.pointerId)) return
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY })
    const now = snapshot()
    const prev = last.current
    if (now && prev) {
      setView((v) => ({
        scale:
          prev.dist > 0 && now.dist > 0
            ? Math.min(8, Math.max(1, (v.scale * now.dist) / prev.dist))
            : v.scale,
        x: v.x + now.cx - prev.cx,
        y: v.y + now.cy - prev.cy,
      }))
    }
    last.current = now
  }
  const reset = (e: PointerEvent) => {
    pointers.current.delete(e.pointerId)
    last.current = snapshot()
  }
  return (
    <div
      class="ecg-full"
      role="dialog"
      aria-modal="true"
      aria-label={t('ecg.title')}
      data-testid="ecg-viewer"
    >
      <button class="btn close" onClick={props.onClose}>
        {t('ecg.close')}
      </button>
      <div
        class="ecg-stage"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId)
          pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY })
          last.current = snapshot()
        }}
        onPointerMove={onMove}
        onPointerUp={reset}
        onPointerCancel={reset}
        onWheel={(e) => {
          e.preventDefault()
          setView((v) => ({
            ...v,
            scale: Math.min(8, Math.max(1, v.scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2))),
          }))
        }}
        onDblClick={() => setView({ scale: 1, x: 0, y: 0 })}
      >
        <img
          src={props.src}
          alt={t('ecg.title')}
          draggable={false}
          style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
        />
      </div>
    </div>
  )
}
