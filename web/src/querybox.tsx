/** The query input with field-name completion (ARIA combobox: arrows choose, Enter/Tab take). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { applyCompletion, complete, type Completion } from './complete';
import { fieldNames } from './fields';

export function QueryBox({
  id,
  value,
  onInput,
  onSubmit,
  label = 'Query',
}: {
  id: string;
  value: string;
  onInput: (text: string) => void;
  onSubmit: () => void;
  label?: string;
}) {
  const [fields, setFields] = useState<string[]>([]);
  const [completion, setCompletion] = useState<Completion | undefined>();
  /** The highlighted suggestion; -1 until the arrows are used, so Enter still runs the query. */
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void fieldNames().then(setFields);
  }, []);
  const update = (text: string, caret: number) => {
    onInput(text);
    setCompletion(complete(text, caret, fields));
    setActive(-1);
  };
  const take = (name: string) => {
    if (!completion) return;
    const next = applyCompletion(value, completion, name);
    onInput(next.text);
    setCompletion(undefined);
    requestAnimationFrame(() => input.current?.setSelectionRange(next.caret, next.caret));
    input.current?.focus();
  };
  const listId = `${id}-fields`;
  return (
    <div class="querybox">
      <label for={id}>{label}</label>
      <input
        ref={input}
        id={id}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={Boolean(completion)}
        aria-controls={listId}
        aria-activedescendant={completion && active >= 0 ? `${listId}-${active}` : undefined}
        autocomplete="off"
        spellcheck={false}
        value={value}
        placeholder="e.g. event_code=4625 | stats count() by user"
        onInput={(e) => {
          const el = e.target as HTMLInputElement;
          update(el.value, el.selectionStart ?? el.value.length);
        }}
        onBlur={() => setTimeout(() => setCompletion(undefined), 150)}
        onKeyDown={(e) => {
          if (completion) {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              const n = completion.suggestions.length;
              setActive(
                (a) =>
                  (Math.max(a, e.key === 'ArrowDown' ? -1 : 0) + (e.key === 'ArrowDown' ? 1 : n - 1)) % n,
              );
              return;
            }
            if (e.key === 'Tab' || (e.key === 'Enter' && active >= 0)) {
              e.preventDefault();
              take(completion.suggestions[Math.max(active, 0)]!);
              return;
            }
            if (e.key === 'Escape') {
              setCompletion(undefined);
              return;
            }
          }
          if (e.key === 'Enter') {
            e.preventDefault();
            onSubmit();
          }
        }}
      />
      <ul id={listId} role="listbox" aria-label="Field names" class="completions" hidden={!completion}>
        {completion?.suggestions.map((s, i) => (
          <li
            id={`${listId}-${i}`}
            key={s}
            role="option"
            aria-selected={i === active}
            onMouseDown={(e) => {
              e.preventDefault();
              take(s);
            }}
          >
            {s}
          </li>
        ))}
      </ul>
    </div>
  );
}
