package reports

import (
	"fmt"
	"math"
	"strings"
)

// Geometry for the inline SVG charts. The templates only draw what these
// structs say, so every number on a chart is computed (and testable) in Go
// and html/template escapes every label.

type barChart struct {
	Width, Height int
	LabelW        int     // left column for labels
	DeadlineX     float64 // x of the deadline line
	PlotX, PlotW  float64
	Groups        []barGroup
}

type barGroup struct {
	Y     int
	Title string
	Bars  []bar
}

type bar struct {
	Y            int
	Label        string
	X, W         float64
	Class        string // ok, late, missing, nodeadline
	Text         string
	TextX        float64
	Title        string // tooltip
	HasDeadline  bool
	DeadlineText string
}

const (
	barRowH   = 18
	barGroupH = 20
)

// timeBars draws each measured time as a share of its deadline: the
// deadline is one vertical line for every bar, so "left of the line" reads
// as "in time" across scenarios whose deadlines differ by minutes.
func timeBars(x *exercise) barChart {
	c := barChart{Width: 880, LabelW: 250}
	c.PlotX = float64(c.LabelW) + 10
	c.PlotW = float64(c.Width) - c.PlotX - 130
	// Two deadlines fit before a bar is clipped; anything later is drawn
	// to the edge and its number says how late.
	c.DeadlineX = c.PlotX + c.PlotW/2
	y := 10
	for _, s := range x.Scenarios {
		if !s.Measured() {
			continue
		}
		g := barGroup{Y: y + 14, Title: s.Info.ID + " — " + s.Outcome}
		y += barGroupH
		add := func(label string, value *float64, deadline float64, missing string) {
			b := bar{Y: y, Label: label, X: c.PlotX, HasDeadline: deadline > 0}
			if deadline > 0 {
				b.DeadlineText = "deadline " + secsF(deadline)
			}
			switch {
			case value == nil:
				b.Class, b.W, b.Text = "missing", c.PlotW, missing
			case deadline <= 0:
				b.Class, b.W, b.Text = "nodeadline", math.Min(c.PlotW/4, c.PlotW), secsF(*value)
			default:
				ratio := *value / deadline
				b.W = math.Min(ratio*(c.DeadlineX-c.PlotX), c.PlotW)
				b.Class = "ok"
				if ratio > 1 {
					b.Class = "late"
				}
				b.Text = fmt.Sprintf("%s of %s", secsF(*value), secsF(deadline))
			}
			b.W = math.Max(b.W, 2)
			b.TextX = b.X + b.W + 6
			if b.Class == "missing" {
				b.TextX = b.X + 6
			}
			b.Title = fmt.Sprintf("%s %s: %s", s.Info.ID, label, b.Text)
			g.Bars = append(g.Bars, b)
			y += barRowH
		}
		for _, e := range s.Expectations {
			add("detect "+e.Rule, e.LatencySeconds, e.WithinSeconds, "did not fire")
		}
		add("contain", s.TimeToContain, s.Info.ContainWithinSeconds, "not contained")
		if s.TimeToRecover != nil || s.Info.RecoverWithinSeconds > 0 {
			add("recover", s.TimeToRecover, s.Info.RecoverWithinSeconds, "not recovered")
		}
		c.Groups = append(c.Groups, g)
		y += 6
	}
	c.Height = y + 24
	return c
}

type lineChart struct {
	Width, Height int
	Title         string
	PlotX, PlotY  float64
	PlotW, PlotH  float64
	YTicks        []tick
	XTicks        []tick
	Series        []series
	Empty         bool
}

type tick struct {
	Pos   float64
	Label string
}

type series struct {
	Name    string
	Class   string
	Path    string
	Points  []point
	LegendY float64
}

type point struct {
	X, Y  float64
	Label string
}

// trendChart plots one value per period for each series; a nil value is a
// period without data and breaks the line there.
func trendChart(title string, periods []string, names []string, values [][]*float64) lineChart {
	c := lineChart{Width: 640, Height: 240, Title: title, PlotX: 60, PlotY: 20}
	c.PlotW = float64(c.Width) - c.PlotX - 150
	c.PlotH = float64(c.Height) - c.PlotY - 40
	maxV := 0.0
	for _, vs := range values {
		for _, v := range vs {
			if v != nil {
				maxV = math.Max(maxV, *v)
			}
		}
	}
	if maxV == 0 {
		c.Empty = true
		maxV = 1
	}
	top := niceCeil(maxV)
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.YTicks = append(c.YTicks, tick{Pos: c.PlotY + c.PlotH - c.PlotH*v/top, Label: secsF(v)})
	}
	xAt := func(i int) float64 {
		if len(periods) == 1 {
			return c.PlotX + c.PlotW/2
		}
		return c.PlotX + c.PlotW*float64(i)/float64(len(periods)-1)
	}
	for i, p := range periods {
		c.XTicks = append(c.XTicks, tick{Pos: xAt(i), Label: p})
	}
	classes := []string{"s1", "s2", "s3", "s4"}
	for si, name := range names {
		s := series{Name: name, Class: classes[si%len(classes)], LegendY: c.PlotY + 10 + float64(si)*18}
		var path strings.Builder
		pen := false
		for i, v := range values[si] {
			if v == nil {
				pen = false
				continue
			}
			px, py := xAt(i), c.PlotY+c.PlotH-c.PlotH*(*v)/top
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, px, py)
			pen = true
			s.Points = append(s.Points, point{X: px, Y: py, Label: secsF(*v)})
		}
		s.Path = strings.TrimSpace(path.String())
		c.Series = append(c.Series, s)
	}
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so axis ticks
// are numbers people read at a glance.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
