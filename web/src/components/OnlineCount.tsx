export function OnlineCount({ online }: { online: number | null }) {
  return (
    <p className="online" aria-live="polite">
      <span className="online-dot" aria-hidden="true" />
      <span>
        {online === null ? (
          "Counting who's online…"
        ) : (
          <>
            <strong>{online.toLocaleString('en-US')}</strong> {online === 1 ? 'person' : 'people'} online
          </>
        )}
      </span>
    </p>
  );
}
