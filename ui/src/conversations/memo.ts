// One derived value per source object, kept as long as the object lives: list rows made once per
// fetched page or hit (TanStack Query keeps those objects until it refetches), so memoised rows
// see the same data while they stay in view.

/** `make`, computed once per distinct `source` object. */
export function memoByObject<K extends object, V>(make: (source: K) => V): (source: K) => V {
  const made = new WeakMap<K, V>();
  return (source) => {
    let value = made.get(source);
    if (value === undefined) {
      value = make(source);
      made.set(source, value);
    }
    return value;
  };
}
