using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tracker.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Claims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ClaimMeasurements",
                columns: table => new
                {
                    ClaimId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    MeasuredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Verdict = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: true),
                    ValueText = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    ValueAsOf = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    AtClaimDate = table.Column<bool>(type: "INTEGER", nullable: false),
                    Platforms = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Gap = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Breakdown = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClaimMeasurements", x => new { x.ClaimId, x.Day });
                });

            migrationBuilder.CreateTable(
                name: "ClaimVerdictChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClaimId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FromVerdict = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Verdict = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClaimVerdictChanges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Rankings",
                columns: table => new
                {
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Rank = table.Column<int>(type: "INTEGER", nullable: false),
                    RepoId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Author = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Country = table.Column<string>(type: "TEXT", maxLength: 8, nullable: true),
                    Score = table.Column<double>(type: "REAL", nullable: true),
                    PipelineTag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    RecordedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Rankings", x => new { x.Day, x.Origin, x.Rank });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ClaimVerdictChanges_ClaimId_Day",
                table: "ClaimVerdictChanges",
                columns: new[] { "ClaimId", "Day" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClaimMeasurements");

            migrationBuilder.DropTable(
                name: "ClaimVerdictChanges");

            migrationBuilder.DropTable(
                name: "Rankings");
        }
    }
}
