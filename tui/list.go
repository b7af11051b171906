package tui

// removeAt deletes the item under a list's cursor and keeps the cursor on
// the list; an empty list is left alone.
func removeAt[T any](list []T, cursor int) ([]T, int) {
	if len(list) == 0 {
		return list, cursor
	}
	list = append(list[:cursor], list[cursor+1:]...)
	return list, max(0, min(cursor, len(list)-1))
}
