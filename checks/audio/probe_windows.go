package audio

func newProbe() probe { return windowsProbe{} }
