package service

// VerdictToProto exposes verdictToProto to the tests.
var VerdictToProto = verdictToProto

// VerdictMsgID exposes verdictMsgID to the tests.
var VerdictMsgID = verdictMsgID
