package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// styles are every look the console uses. They come from one renderer so
// that NO_COLOR (which makes lipgloss's profile Ascii) turns all of them
// off at once; nothing on screen depends on colour alone — selection has a
// › marker, choices have [x] and (•).
type styles struct {
	bar      lipgloss.Style // the title bar
	tab      lipgloss.Style
	tabOn    lipgloss.Style
	heading  lipgloss.Style
	cursor   lipgloss.Style // the selected row
	muted    lipgloss.Style
	label    lipgloss.Style
	good     lipgloss.Style
	warn     lipgloss.Style
	bad      lipgloss.Style
	question lipgloss.Style
	help     help.Styles
}

func newStyles(r *lipgloss.Renderer) styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	subtle := lipgloss.AdaptiveColor{Light: "#8a8a8a", Dark: "#767676"}
	accent := lipgloss.AdaptiveColor{Light: "#5a3fc0", Dark: "#b4a2ff"}
	s := styles{
		bar:      r.NewStyle().Bold(true).Reverse(true),
		tab:      r.NewStyle().Foreground(subtle),
		tabOn:    r.NewStyle().Bold(true).Foreground(accent),
		heading:  r.NewStyle().Bold(true),
		cursor:   r.NewStyle().Bold(true).Foreground(accent),
		muted:    r.NewStyle().Foreground(subtle),
		label:    r.NewStyle().Bold(true).Foreground(accent),
		good:     r.NewStyle().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#1a7f37", Dark: "#56d364"}),
		warn:     r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#9a6700", Dark: "#e3b341"}),
		bad:      r.NewStyle().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#cf222e", Dark: "#ff7b72"}),
		question: r.NewStyle().Foreground(accent),
	}
	s.help = help.Styles{
		ShortKey:       r.NewStyle().Bold(true),
		ShortDesc:      r.NewStyle().Foreground(subtle),
		ShortSeparator: r.NewStyle().Foreground(subtle),
		Ellipsis:       r.NewStyle().Foreground(subtle),
		FullKey:        r.NewStyle().Bold(true),
		FullDesc:       r.NewStyle().Foreground(subtle),
		FullSeparator:  r.NewStyle().Foreground(subtle),
	}
	return s
}
