package luavm

import (
	"strconv"

	"github.com/yuin/gopher-lua/ast"
)

// source is what the parser saw of a config file, for error messages:
// where each table constructor and each key in it is, where keys are
// assigned later (t.key = v), and the calls made on each line.
//
// Load compiles the file from the same parse, with every table constructor
// {...} wrapped in a call to a hidden local, markTable(N, {...}), that
// tells the loader which constructor built which table. So a mistake in
// sync{ default.rsync, rsync = { compres = true } } or in a layer defined
// elsewhere (local bash = { onCreat = ... }) is reported on the key's own
// line, not on the line of the sync{} call that found it.
type source struct {
	tables  []tableSite      // by constructor index, the N above
	assigns map[string][]int // key -> lines of "x.key = v" and "x['key'] = v"
	calls   map[int][]callSite
	indexes map[int][]callSite // line -> name.field reads and writes of names that are not locals
}

// tableSite is one table constructor.
type tableSite struct {
	line int
	keys map[string]int // string key -> the line it is written on
}

// callSite is one function call, described by its callee as far as the
// parser can tell: a name that is not a local (global), or a field or
// method of such a name (object, field).
type callSite struct {
	global string
	object string
	field  string
	method bool
}

// markerName is the hidden local that holds markTable. It is not a valid
// Lua name, so no config can refer to it or shadow it.
const markerName = "(luasync table)"

// scanSource indexes chunk and rewrites its table constructors (see
// source). It returns the index and the statements to compile, the hidden
// local's declaration first: it reads the global of the same name, which
// the caller sets to markTable before running the chunk.
func scanSource(chunk []ast.Stmt) (*source, []ast.Stmt) {
	w := &walker{src: &source{assigns: map[string][]int{}, calls: map[int][]callSite{}, indexes: map[int][]callSite{}}}
	w.push()
	w.block(chunk)
	decl := &ast.LocalAssignStmt{Names: []string{markerName}, Exprs: []ast.Expr{&ast.IdentExpr{Value: markerName}}}
	return w.src, append([]ast.Stmt{decl}, chunk...)
}

// walker visits every statement and expression once, in the order the
// compiled code runs them, tracking which names are locals.
type walker struct {
	src    *source
	scopes []map[string]bool
}

func (w *walker) push() { w.scopes = append(w.scopes, map[string]bool{}) }
func (w *walker) pop()  { w.scopes = w.scopes[:len(w.scopes)-1] }
func (w *walker) declare(names ...string) {
	for _, n := range names {
		w.scopes[len(w.scopes)-1][n] = true
	}
}

func (w *walker) isLocal(name string) bool {
	for _, s := range w.scopes {
		if s[name] {
			return true
		}
	}
	return false
}

// scoped walks stmts in a scope of their own holding names.
func (w *walker) scoped(stmts []ast.Stmt, names ...string) {
	w.push()
	w.declare(names...)
	w.block(stmts)
	w.pop()
}

func (w *walker) block(stmts []ast.Stmt) {
	for _, s := range stmts {
		w.stmt(s)
	}
}

func (w *walker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		w.exprs(s.Rhs)
		for i, lhs := range s.Lhs {
			s.Lhs[i] = w.expr(lhs)
			if a, ok := lhs.(*ast.AttrGetExpr); ok {
				if k, ok := a.Key.(*ast.StringExpr); ok {
					w.src.assigns[k.Value] = append(w.src.assigns[k.Value], a.Line())
				}
			}
		}
	case *ast.LocalAssignStmt:
		if len(s.Names) == 1 && len(s.Exprs) == 1 {
			if _, fn := s.Exprs[0].(*ast.FunctionExpr); fn { // local function f: f is in scope in its body
				w.declare(s.Names...)
			}
		}
		w.exprs(s.Exprs)
		w.declare(s.Names...)
	case *ast.FuncCallStmt:
		s.Expr = w.expr(s.Expr)
	case *ast.DoBlockStmt:
		w.scoped(s.Stmts)
	case *ast.WhileStmt:
		s.Condition = w.expr(s.Condition)
		w.scoped(s.Stmts)
	case *ast.RepeatStmt:
		w.push()
		w.block(s.Stmts)
		s.Condition = w.expr(s.Condition)
		w.pop()
	case *ast.IfStmt:
		s.Condition = w.expr(s.Condition)
		w.scoped(s.Then)
		w.scoped(s.Else)
	case *ast.NumberForStmt:
		s.Init, s.Limit = w.expr(s.Init), w.expr(s.Limit)
		if s.Step != nil {
			s.Step = w.expr(s.Step)
		}
		w.scoped(s.Stmts, s.Name)
	case *ast.GenericForStmt:
		w.exprs(s.Exprs)
		w.scoped(s.Stmts, s.Names...)
	case *ast.FuncDefStmt:
		w.funcDef(s)
	case *ast.ReturnStmt:
		w.exprs(s.Exprs)
	}
}

func (w *walker) funcDef(s *ast.FuncDefStmt) {
	if s.Name.Func != nil {
		s.Name.Func = w.expr(s.Name.Func)
		w.function(s.Func)
		return
	}
	s.Name.Receiver = w.expr(s.Name.Receiver)
	w.function(s.Func, "self")
}

func (w *walker) function(f *ast.FunctionExpr, extra ...string) {
	w.scoped(f.Stmts, append(extra, f.ParList.Names...)...)
}

func (w *walker) exprs(es []ast.Expr) {
	for i, e := range es {
		es[i] = w.expr(e)
	}
}

// expr walks e and returns what to compile in its place: e itself, or for
// a table constructor, the call that marks it.
func (w *walker) expr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.TableExpr:
		return w.table(e)
	case *ast.FuncCallExpr:
		w.call(e)
	case *ast.AttrGetExpr:
		if site := w.callee(e); site.object != "" {
			w.src.indexes[e.Line()] = append(w.src.indexes[e.Line()], site)
		}
		e.Object, e.Key = w.expr(e.Object), w.expr(e.Key)
	case *ast.FunctionExpr:
		w.function(e)
	case *ast.LogicalOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.StringConcatOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		e.Lhs, e.Rhs = w.expr(e.Lhs), w.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		e.Expr = w.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		e.Expr = w.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		e.Expr = w.expr(e.Expr)
	}
	return e
}

// call records a call after its callee and arguments: the order in which
// the calls on one line run.
func (w *walker) call(e *ast.FuncCallExpr) {
	site := callSite{}
	if e.Func != nil {
		site = w.callee(e.Func)
		e.Func = w.expr(e.Func)
	} else {
		if id, ok := e.Receiver.(*ast.IdentExpr); ok && !w.isLocal(id.Value) {
			site = callSite{object: id.Value, field: e.Method, method: true}
		}
		e.Receiver = w.expr(e.Receiver)
	}
	w.exprs(e.Args)
	w.src.calls[e.Line()] = append(w.src.calls[e.Line()], site)
}

// callee describes what a call calls, when it is a name or a field of a
// name that are not locals; the zero callSite otherwise.
func (w *walker) callee(f ast.Expr) callSite {
	switch f := f.(type) {
	case *ast.IdentExpr:
		if !w.isLocal(f.Value) {
			return callSite{global: f.Value}
		}
	case *ast.AttrGetExpr:
		id, ok := f.Object.(*ast.IdentExpr)
		key, isStr := f.Key.(*ast.StringExpr)
		if ok && isStr && !w.isLocal(id.Value) {
			return callSite{object: id.Value, field: key.Value}
		}
	}
	return callSite{}
}

// table records a constructor's keys and wraps it in the marker call.
func (w *walker) table(t *ast.TableExpr) ast.Expr {
	site := tableSite{line: t.Line(), keys: map[string]int{}}
	for _, f := range t.Fields {
		if f.Key != nil {
			if k, ok := f.Key.(*ast.StringExpr); ok {
				if _, dup := site.keys[k.Value]; !dup {
					site.keys[k.Value] = lineOr(k.Line(), t.Line())
				}
			}
			f.Key = w.expr(f.Key)
			adjust(f.Value)
		}
		f.Value = w.expr(f.Value)
	}
	index := len(w.src.tables)
	w.src.tables = append(w.src.tables, site)
	fn := &ast.IdentExpr{Value: markerName}
	n := &ast.NumberExpr{Value: strconv.Itoa(index)}
	call := &ast.FuncCallExpr{Func: fn, Args: []ast.Expr{n, t}, AdjustRet: true}
	for _, node := range []ast.PositionHolder{fn, n, call} {
		node.SetLine(t.Line())
		node.SetLastLine(t.LastLine())
	}
	return call
}

// adjust makes a call or "..." that is the value of a keyed field give
// exactly one value, as Lua has it. gopher-lua 1.1.1 otherwise lets such a
// value, as the last field of a constructor with positional elements, fill
// the array part too: { default.rsync, target = pick() } got the target
// as element #2 as well.
func adjust(v ast.Expr) {
	switch v := v.(type) {
	case *ast.FuncCallExpr:
		v.AdjustRet = true
	case *ast.Comma3Expr:
		v.AdjustRet = true
	}
}

func lineOr(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}
