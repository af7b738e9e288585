import { useEffect, useRef, useState } from 'preact/hooks'
import { hhmm } from '../clinical.ts'
import { t } from '../i18n/index.ts'

const MAX_SCALE = 8
const DOUBLE_TAP_MS = 300
const DOUBLE_TAP_ZOOM = 2.5

const clamp = (s: number) => Math.min(MAX_SCALE, Math.max(1, s))

/**
 * Full-screen ECG: the original image (never re-encoded) fitted to the screen, pinch and wheel
 * zoom, double-tap to zoom in at the tapped point (and back), drag to pan; a hint to turn a
 * portrait phone sideways, since a 12-lead strip is wide. Shows when it was acquired and who
 * uploaded it.
 */
export function EcgViewer(props: {
  src: string
  onClose: () => void
  acquiredAt?: string | null
  uploadedBy?: string | null
  uploadedAt?: string | null
}) {
  const [view, setView] = useState({ scale: 1, x: 0, y: 0 })
  const [portrait, setPortrait] = useState(() => window.innerHeight > window.innerWidth)
  const pointers = useRef(new Map<number, { x: number; y: number }>())
  const last = useRef<{ dist: number; cx: number; cy: number } | null>(null)
  const lastTap = useRef<{ at: number; x: number; y: number } | null>(null)
  const moved = useRef(false)
  const stage = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const f = () => setPortrait(window.innerHeight > window.innerWidth)
    window.addEventListener('resize', f)
    return () => window.removeEventListener('resize', f)
  }, [])

  const snapshot = () => {
    const ps = [...pointers.current.values()]
    if (ps.length === 0) return null
    const cx = ps.reduce((s, p) => s + p.x, 0) / ps.length
    const cy = ps.reduce((s, p) => s + p.y, 0) / ps.length
    const dist = ps.length > 1 ? Math.hypot(ps[0]!.x - ps[1]!.x, ps[0]!.y - ps[1]!.y) : 0
    return { dist, cx, cy }
  }
  /** Zoom to `scale` keeping the screen point (px, py) where it is. */
  const zoomAt = (scale: number, px: number, py: number) =>
    setView((v) => {
      const r = stage.current?.getBoundingClientRect()
      const ox = px - (r ? r.left + r.width / 2 : 0)
      const oy = py - (r ? r.top + r.height / 2 : 0)
      const s = clamp(scale)
      if (s === 1) return { scale: 1, x: 0, y: 0 }
      const k = s / v.scale
      return { scale: s, x: ox - (ox - v.x) * k, y: oy - (oy - v.y) * k }
    })
  const onMove = (e: PointerEvent) => {
    if (!pointers.current.has(e.pointerId)) return
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY })
    const now = snapshot()
    const prev = last.current
    if (now && prev) {
      if (Math.hypot(now.cx - prev.cx, now.cy - prev.cy) > 2 || now.dist !== prev.dist) moved.current = true
      setView((v) => ({
        scale: prev.dist > 0 && now.dist > 0 ? clamp((v.scale * now.dist) / prev.dist) : v.scale,
        x: v.x + now.cx - prev.cx,
        y: v.y + now.cy - prev.cy,
      }))
    }
    last.current = now
  }
  const onUp = (e: PointerEvent) => {
    const wasSingle = pointers.current.size === 1
    pointers.current.delete(e.pointerId)
    last.current = snapshot()
    if (!wasSingle || moved.current) return
    const tap = { at: e.timeStamp, x: e.clientX, y: e.clientY }
    const prev = lastTap.current
    if (prev && tap.at - prev.at < DOUBLE_TAP_MS && Math.hypot(tap.x - prev.x, tap.y - prev.y) < 30) {
      lastTap.current = null
      zoomAt(view.scale > 1 ? 1 : DOUBLE_TAP_ZOOM, tap.x, tap.y)
    } else lastTap.current = tap
  }
  const meta = [
    props.acquiredAt ? t('app.ecg.acquired', { time: hhmm(props.acquiredAt) }) : '',
    props.uploadedBy
      ? t('app.ecg.uploaded', {
          name: props.uploadedBy,
          time: props.uploadedAt ? hhmm(props.uploadedAt) : '',
        })
      : '',
  ].filter(Boolean)
  return (
    <div
      class="ecg-full"
      role="dialog"
      aria-modal="true"
      aria-label={t('ecg.title')}
      data-testid="ecg-viewer"
      data-scale={view.scale}
    >
      <div class="ecg-bar">
        <span class="ecg-meta" data-testid="ecg-meta">
          {meta.join(' · ')}
        </span>
        <a class="btn" href={props.src} target="_blank" rel="noopener">
          {t('app.ecg.original')}
        </a>
        <button class="btn" onClick={props.onClose}>
          {t('ecg.close')}
        </button>
      </div>
      <div
        ref={stage}
        class="ecg-stage"
        data-testid="ecg-stage"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId)
          if (pointers.current.size === 0) moved.current = false
          pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY })
          last.current = snapshot()
        }}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        onWheel={(e) => {
          e.preventDefault()
          zoomAt(view.scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2), e.clientX, e.clientY)
        }}
      >
        <img
          src={props.src}
          alt={t('ecg.title')}
          draggable={false}
          style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
        />
      </div>
      <p class="ecg-hint">
        {portrait && <span data-testid="ecg-rotate">⟳ {t('app.ecg.rotate')} · </span>}
        {t('app.ecg.hint')}
      </p>
    </div>
  )
}
