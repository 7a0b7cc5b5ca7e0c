package dashboards

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// assetFS holds dashboards/assets: a committed README.md and, after
// `make assets`, the two scripts copied from node_modules.
//
//go:embed assets
var assetFS embed.FS

// MapName is the name under which jinzhong.js registers the 晋中 map with
// echarts.registerMap.
const MapName = "晋中"

// EchartsVersion is the echarts build the pages are written against
// (package.json pins it; go-echarts v2.6.7 targets the 5.x option API).
const EchartsVersion = "5.6.0"

// The site's asset paths, relative to the site folder so that pages open
// from file://.
const (
	assetsDir     = "assets"
	echartsAsset  = "echarts.min.js"
	jinzhongAsset = "jinzhong.js"
)

// ErrAssetsMissing means the binary was built without the scripts that
// `make assets` copies into dashboards/assets.
var ErrAssetsMissing = errors.New(`dashboards: echarts assets missing from the build; run "make assets" and rebuild`)

// siteAsset is one file copied into every generated site, with a marker that
// proves the right file was copied (not an empty or stale one).
type siteAsset struct {
	name   string
	marker string
}

var siteAssets = []siteAsset{
	{echartsAsset, `version="` + EchartsVersion + `"`},
	{jinzhongAsset, `registerMap("` + MapName + `"`},
}

// CheckAssets reports whether the binary carries the echarts assets; it
// returns an error wrapping ErrAssetsMissing when not. Commands may call it
// before doing any work.
func CheckAssets() error {
	_, err := loadAssets()
	return err
}

// WriteAssets copies echarts.min.js and jinzhong.js into dir/assets/,
// creating the folders as needed. Every page of the site refers to them as
// "assets/<name>".
func WriteAssets(dir string) error {
	files, err := loadAssets()
	if err != nil {
		return err
	}
	out := filepath.Join(dir, assetsDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	for _, a := range siteAssets {
		if err := os.WriteFile(filepath.Join(out, a.name), files[a.name], 0o644); err != nil {
			return fmt.Errorf("dashboards: %w", err)
		}
	}
	return nil
}

func loadAssets() (map[string][]byte, error) {
	files := make(map[string][]byte, len(siteAssets))
	for _, a := range siteAssets {
		b, err := fs.ReadFile(assetFS, assetsDir+"/"+a.name)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && len(b) == 0) {
			return nil, ErrAssetsMissing
		}
		if err != nil {
			return nil, fmt.Errorf("dashboards: reading embedded %s: %w", a.name, err)
		}
		if !bytes.Contains(b, []byte(a.marker)) {
			return nil, fmt.Errorf("%w (embedded %s does not contain %s; check package.json pins)", ErrAssetsMissing, a.name, a.marker)
		}
		files[a.name] = b
	}
	return files, nil
}
