package network

import (
	"encoding/pem"
	"os"
)

type pemBlock = pem.Block

func decodePEM(data []byte) (*pem.Block, []byte) { return pem.Decode(data) }

// fsReadFile reads the company CA from its absolute path: the profile loader
// made it absolute, and it lives outside the checked machine's FS root on
// Windows.
func fsReadFile(path string) ([]byte, error) { return os.ReadFile(path) }
