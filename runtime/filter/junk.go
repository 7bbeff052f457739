package filter

// DefaultJunk is what Options.Junk means when it is nil: temporary and lock
// files that editors and office suites create next to the file being edited.
// Each pattern matches a base name only. The list holds nothing an operator
// could want mirrored: dotfiles such as .htaccess, and *.tmp or *.bak files,
// which applications also use for real data, are synced.
var DefaultJunk = []string{
	".*.swp", ".*.swo", ".*.swn", ".*.swx", ".*.swpx", // vim swap files
	"4913",             // vim's probe for whether it may write into the directory
	"*~",               // vim and emacs backups
	".#*",              // emacs lock links
	"#*#",              // emacs auto-save files
	".~lock.*#",        // LibreOffice lock files
	"*.kate-swp",       // kate swap files
	".goutputstream-*", // gedit and other GIO atomic-save temporaries
}
