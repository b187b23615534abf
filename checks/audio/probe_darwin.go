package audio

func newProbe() probe { return darwinProbe{} }
